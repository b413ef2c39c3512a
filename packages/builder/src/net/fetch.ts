/**
 * HTTP(S) requests for ADD <url>, with NODE_EXTRA_CA_CERTS loaded when the first request needs it
 * instead of at process start.
 *
 * Why: Node reads and parses the NODE_EXTRA_CA_CERTS bundle before it runs any JavaScript. Where
 * that variable names the system's whole CA list that parse is most of a no-change rebuild's CPU
 * (docs/performance.md), and almost no build makes an HTTPS request. So bin/tsbuild moves the variable aside
 * (TSBUILD_DEFERRED_CA_CERTS); `restoreDeferredCaEnv()` puts it back into process.env first thing
 * (RUN steps and helpers see the user's environment unchanged) and `httpFetch()` adds those
 * certificates to fetch's trust store before the first request — the same set Node would have
 * trusted (its bundled roots + the extra file).
 */
const DEFERRED = 'TSBUILD_DEFERRED_CA_CERTS';
const DISPATCHER = Symbol.for('undici.globalDispatcher.1');

let deferredFile: string | undefined;
let installing: Promise<void> | undefined;

/** Call once at start-up: undo bin/tsbuild's deferral in process.env, remember the file. */
export function restoreDeferredCaEnv(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[DEFERRED];
  if (file === undefined) return;
  delete env[DEFERRED];
  if (env.NODE_EXTRA_CA_CERTS === undefined) env.NODE_EXTRA_CA_CERTS = file;
  deferredFile = file || undefined;
}

/** `fetch` with the deferred extra CA certificates in force. */
export async function httpFetch(url: string, init: RequestInit): Promise<Response> {
  if (deferredFile) await (installing ??= installExtraCa(deferredFile));
  return fetch(url, init);
}

async function installExtraCa(file: string): Promise<void> {
  // what Node itself does with an unreadable NODE_EXTRA_CA_CERTS: warn and go on without it
  // loaded here, not at the top: cli/env.ts imports this module on every start, and the CLI's entry
  // must not load the store before it knows the command (test/build/entry-modules.test.ts)
  const { trustedCas } = await import('@tsbuild/layerstore');
  const ca = await trustedCas(file, (m) => process.emitWarning(m));
  if (!ca) return;
  // Node 20 has no API to extend the default trust store after start (tls.setDefaultCACertificates
  // is Node >= 22.19): give fetch's dispatcher (undici's Agent, reachable through the symbol undici
  // documents for sharing a global dispatcher) an explicit CA list instead.
  await fetch('data:,').catch(() => undefined); // makes Node create its dispatcher
  const current = (globalThis as Record<symbol, unknown>)[DISPATCHER] as { constructor: new (opts: unknown) => unknown } | undefined;
  if (!current) throw new Error('tsbuild: cannot apply NODE_EXTRA_CA_CERTS (no fetch dispatcher); run with TSBUILD_EAGER_CA=1');
  (globalThis as Record<symbol, unknown>)[DISPATCHER] = new current.constructor({ connect: { ca } });
}
