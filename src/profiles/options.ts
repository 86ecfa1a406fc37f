import type { ValidationItem } from '../domain/errors.js';

/**
 * `profileOptions` checks shared by the profiles: every key must be one the profile knows, and
 * each known key's value passes its check. A check returns why the value is wrong, or null.
 */
export type OptionCheck = (value: unknown) => string | null;

export function optionProblems(profile: string, options: Record<string, unknown>, checks: Readonly<Record<string, OptionCheck>>): ValidationItem[] {
  const known = Object.keys(checks);
  const items: ValidationItem[] = [];
  for (const [key, value] of Object.entries(options)) {
    const loc = ['body', 'profileOptions', key];
    const check = checks[key];
    if (!check) {
      const msg = known.length === 0 ? `the ${profile} profile takes no options` : `unknown option for the ${profile} profile; known: ${known.join(', ')}`;
      items.push({ loc, msg, type: 'value_error.profileoptions' });
      continue;
    }
    const problem = check(value);
    if (problem !== null) items.push({ loc, msg: problem, type: 'value_error.profileoptions' });
  }
  return items;
}

/** An integer option within [min, max]. */
export function integerOption(min: number, max: number): OptionCheck {
  return (value) => (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? null : `must be an integer from ${min} to ${max}`);
}
