export type { Clock, TimerHandle } from './clock.js';
export { systemClock } from './clock.js';
export { SimulatedClock } from './simulated-clock.js';
export { MAX_TIMER_DELAY_MS, MAX_TIMER_INTERVAL_SECS, boundedTimerDelay } from './timer-delay.js';
