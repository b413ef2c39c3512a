/**
 * The certificates HTTPS trusts when NODE_EXTRA_CA_CERTS names a bundle: Node's own roots plus
 * that file — the set Node would trust had it read the variable itself at start (bin/tsbuild
 * defers it: see builder net/fetch.ts). One reading for both HTTPS clients: the registry's agents
 * (http.ts) and ADD <url>'s fetch dispatcher.
 */
import { readFileSync } from 'node:fs';

/**
 * The CA list for `file`, or undefined when there is none to add (no file named, or it cannot be
 * read: `warn` is told, as Node warns about an unreadable bundle, and the default roots stay).
 */
export async function trustedCas(file: string | undefined, warn?: (message: string) => void): Promise<string[] | undefined> {
  if (!file) return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    warn?.(`Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}`);
    return undefined;
  }
  // node:tls (and its root list) is loaded here only: not part of a build that makes no request
  const tls = (await import('node:tls')).default;
  return [...tls.rootCertificates, pem];
}
