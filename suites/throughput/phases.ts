/**
 * The phases of the throughput suite's rows, one per load engine and mode,
 * so that each engine's cells are read against the ceilings that engine
 * measured in the same run (docs/result-rows.md).
 */

/** autocannon, closed loop: fixed connections, as fast as the answers come. */
export const CLOSED_LOOP = 'closed-loop';

/** autocannon, open loop: a fixed overall rate, latencies corrected for coordinated omission. */
export const OPEN_LOOP = 'open-loop';

/** Locust (master and workers), closed loop: fixed users, as fast as the answers come; latencies in millisecond buckets. */
export const LOCUST_CLOSED_LOOP = 'locust-closed-loop';
