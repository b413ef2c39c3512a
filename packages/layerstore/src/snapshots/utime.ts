/**
 * A time for utimes(2) through Node: seconds as a double, which libuv turns into a timespec by
 * truncation — x.935 s is not representable and lands at x.934999 s, a millisecond early. Half a
 * microsecond more lands it on the millisecond it names (a tar header's or PAX record's time, kept
 * to the millisecond), never later. Times before 1970 are passed as they are.
 */
export function utimeSeconds(d: Date): number {
  const ms = d.getTime();
  return ms >= 0 ? (ms + 0.0005) / 1000 : ms / 1000;
}
