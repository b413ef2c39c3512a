/**
 * A time for utimes(2) through Node: seconds as a double, which libuv turns into a timespec by
 * truncation — x.935 s is not representable and lands at x.934999 s, a millisecond early. Half a
 * microsecond more lands it on the millisecond it names (a tar header's or PAX record's time, kept
 * to the millisecond), never later. A time before 1970 stays a Date: Node takes a negative number
 * of seconds to mean "now", but a Date for what it is.
 */
export function utimeSeconds(d: Date): number | Date {
  const ms = d.getTime();
  return ms >= 0 ? (ms + 0.0005) / 1000 : d;
}

/** The same as a number of seconds, for the write workers (they make a Date of a negative one). */
export function utimeSecondsNumber(d: Date): number {
  const ms = d.getTime();
  return ms >= 0 ? (ms + 0.0005) / 1000 : ms / 1000;
}
