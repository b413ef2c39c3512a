// Prepended to the snapshot bundle (scripts/bundle.mjs). While `node --build-snapshot` evaluates
// the CLI's modules, any read of per-process state made by the bundle's own code is recorded:
// such a value would be frozen into the snapshot and be wrong in every later process (a pid in a
// lock, the build machine's uid, an env var, a clock). The snapshot entry calls
// globalThis.__tsbuildSnapshotGuardEnd() after preloading; it restores everything and fails the
// snapshot build with the offending call sites.
(() => {
  const v8 = require('node:v8');
  if (!v8.startupSnapshot || !v8.startupSnapshot.isBuildingSnapshot()) return;
  const os = require('node:os');
  const self = __filename;
  const hits = new Map();
  const check = (what) => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 20; // the snapshot builder runs with traces off
    const frames = (new Error().stack || '').split('\n').slice(3);
    Error.stackTraceLimit = limit;
    const first = frames.find((l) => !l.includes('node:') && !l.includes('snapshot-guard'));
    if (first && first.includes(self)) hits.set(`${what} ${first.trim()}`, true);
  };
  const restores = [];
  const wrapFn = (obj, key, label) => {
    const orig = obj[key];
    if (typeof orig !== 'function') return;
    obj[key] = function (...args) { check(label); return orig.apply(this, args); };
    restores.push(() => { obj[key] = orig; });
  };
  const wrapGetter = (obj, key, label) => {
    const desc = Object.getOwnPropertyDescriptor(obj, key);
    if (!desc || !desc.configurable) return;
    const read = desc.get ? () => desc.get.call(obj) : () => desc.value;
    Object.defineProperty(obj, key, { configurable: true, enumerable: desc.enumerable, get() { check(label); return read(); } });
    restores.push(() => Object.defineProperty(obj, key, desc));
  };
  for (const k of ['getuid', 'getgid', 'geteuid', 'getegid', 'getgroups', 'cwd', 'umask', 'hrtime', 'uptime', 'memoryUsage']) wrapFn(process, k, `process.${k}()`);
  for (const k of ['pid', 'ppid', 'stdout', 'stderr', 'stdin', 'argv']) wrapGetter(process, k, `process.${k}`);
  for (const k of ['cpus', 'tmpdir', 'homedir', 'userInfo', 'hostname', 'availableParallelism', 'freemem']) wrapFn(os, k, `os.${k}()`);
  wrapFn(Date, 'now', 'Date.now()');
  wrapFn(Math, 'random', 'Math.random()');
  const realEnv = process.env;
  process.env = new Proxy(realEnv, {
    get(t, k) { check(`process.env.${String(k)}`); return t[k]; },
    has(t, k) { check(`process.env.${String(k)}`); return k in t; },
    ownKeys(t) { check('process.env (keys)'); return Reflect.ownKeys(t); },
  });
  restores.push(() => { process.env = realEnv; });
  globalThis.__tsbuildSnapshotGuardEnd = () => {
    for (const r of restores.reverse()) r();
    delete globalThis.__tsbuildSnapshotGuardEnd;
    if (hits.size) {
      process.stderr.write(`tsbuild snapshot: module-scope code reads per-process state (it would be frozen into the snapshot):\n${[...hits.keys()].map((h) => `  ${h}`).join('\n')}\n`);
      process.exitCode = 1;
    }
  };
})();
