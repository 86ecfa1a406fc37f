/** Time as the services see it; tests pass a fake one to drive schedules without sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
