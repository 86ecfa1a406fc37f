import { createRoot } from 'react-dom/client';
import { setSurface } from './api';
import { ConsoleRoot } from './console/console-root';
import { PortalRoot } from './portal/portal-root';
import './styles.css';

/** One bundle, two surfaces: the organisation's console at `/`, a tenant's portal at `/portal`. */
const portal = window.location.pathname.replace(/\/+$/, '') === '/portal';
setSurface(portal ? 'portal' : 'console');
createRoot(document.getElementById('root')!).render(portal ? <PortalRoot /> : <ConsoleRoot />);
