/**
 * Image references, exactly as Docker parses them (github.com/distribution/reference:
 * regexp.go, normalize.go, reference.go; go-digest for the digest part). The ONE module that
 * knows the grammar; every place a name is taken (FROM, COPY --from, RUN --mount from=, -t, tag,
 * rmi, save, inspect, pull, push) parses through here.
 *
 *   reference     := name [ ":" tag ] [ "@" digest ]
 *   name          := [domain '/'] path-component ['/' path-component]*
 *   domain        := host [':' port]          host := domain-name | '[' IPv6 ']'
 *   path-component:= [a-z0-9]+ (separator [a-z0-9]+)*   separator := [._] | __ | -+
 *   tag           := [\w][\w.-]{0,127}
 *   digest        := algorithm ':' hex{32,}   (sha256 → exactly 64 lowercase hex)
 *
 * Normalisation (ParseNormalizedNamed): `alpine` → `docker.io/library/alpine`, the first path
 * element is a domain only when it holds '.' or ':', is `localhost`, or has uppercase letters;
 * `index.docker.io` is `docker.io`. The store names tags in the familiar form (`alpine:latest`,
 * `localhost:5000/app:1`), which maps one-to-one onto the canonical form.
 */
import { StoreError } from '../errors.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const NAME_MAX = 255;

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const HOST = `(?:${DOMAIN_NAME}|\\[(?:[a-fA-F0-9:]+)\\])`;
const DOMAIN_AND_PORT = `${HOST}(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN_AND_PORT}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';

const REFERENCE_RE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ANCHORED_NAME_RE = new RegExp(`^(?:(${DOMAIN_AND_PORT})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)$`);
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;
const TAG_RE = new RegExp(`^${TAG}$`);
/** go-digest's registered algorithms and their encoded lengths */
const DIGEST_HEX_LEN: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** A parsed, normalised reference. `domain` and `path` are always set (`docker.io`, `library/alpine`). */
export interface ImageReference {
  readonly domain: string;
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** E_INVALID_REFERENCE: the message names the reference; `data.reason` is Docker's own wording. */
export function referenceError(input: string, reason: string): StoreError {
  return new StoreError('E_INVALID_REFERENCE', `${JSON.stringify(input)}: ${reason}`, { ref: input, reason });
}

/** Docker's ParseNormalizedNamed: a reference as users type it, normalised; no tag is implied. */
export function parseReference(input: string): ImageReference {
  if (IDENTIFIER_RE.test(input)) throw referenceError(input, `invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`);
  const [domain, remainder] = splitDomain(input);
  const colon = remainder.indexOf(':');
  const remote = colon >= 0 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) throw referenceError(input, `invalid reference format: repository name (${remote}) must be lowercase`);
  return parseStrict(`${domain}/${remainder}`, input);
}

/** Docker's ParseDockerRef: normalised, `:latest` when neither tag nor digest, the tag dropped when a digest pins it. */
export function parseDockerRef(input: string): ImageReference {
  const r = parseReference(input);
  if (r.digest) return { domain: r.domain, path: r.path, digest: r.digest };
  return { domain: r.domain, path: r.path, tag: r.tag ?? 'latest' };
}

/** Is `input` a valid reference (as FROM / -t would accept it)? */
export function isValidReference(input: string): boolean {
  try {
    parseReference(input);
    return true;
  } catch {
    return false;
  }
}

/** `docker.io/library/alpine` */
export function repositoryName(r: ImageReference): string {
  return `${r.domain}/${r.path}`;
}

/** `alpine`, `localhost:5000/app`, `ghcr.io/org/x` (docker's FamiliarName) */
export function familiarName(r: ImageReference): string {
  if (r.domain !== DEFAULT_DOMAIN) return `${r.domain}/${r.path}`;
  if (r.path.startsWith(OFFICIAL_PREFIX) && r.path.indexOf('/', OFFICIAL_PREFIX.length) < 0) return r.path.slice(OFFICIAL_PREFIX.length);
  return r.path;
}

/** `alpine:3.20`, `alpine@sha256:…`, `alpine:3.20@sha256:…` (docker's FamiliarString) */
export function familiarString(r: ImageReference): string {
  return `${familiarName(r)}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** `docker.io/library/alpine:3.20[@sha256:…]` */
export function canonicalString(r: ImageReference): string {
  return `${repositoryName(r)}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/**
 * The name a tag has in the store: familiar `name:tag` (`busybox` → `busybox:latest`,
 * `docker.io/library/busybox` → `busybox:latest`). A digest cannot be a tag (docker: "refusing to
 * create a tag with a digest reference").
 */
export function normalizeRef(input: string): string {
  const r = parseReference(input);
  if (r.digest) throw referenceError(input, 'a tag cannot hold a digest reference');
  return `${familiarName(r)}:${r.tag ?? 'latest'}`;
}

/** Validate a bare tag (`tsbuild push NAME:TAG` parts, `-o name=`). */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

// ── the grammar ───────────────────────────────────────────────────────────

/** distribution/reference splitDockerDomain (2024+ form). */
function splitDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  if (slash < 0) return [DEFAULT_DOMAIN, OFFICIAL_PREFIX + name];
  const maybeDomain = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (maybeDomain === 'localhost') [domain, remainder] = [maybeDomain, rest];
  else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) [domain, remainder] = [DEFAULT_DOMAIN, rest];
  else if (/[.:]/.test(maybeDomain)) [domain, remainder] = [maybeDomain, rest];
  else if (maybeDomain.toLowerCase() !== maybeDomain) [domain, remainder] = [maybeDomain, rest]; // uppercase: must be a host
  else [domain, remainder] = [DEFAULT_DOMAIN, name];
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_PREFIX + remainder;
  return [domain, remainder];
}

/** distribution/reference Parse on the already-normalised string `s` (errors name `input`). */
function parseStrict(s: string, input: string): ImageReference {
  const m = REFERENCE_RE.exec(s);
  if (!m) {
    if (s === '') throw referenceError(input, 'repository name must have at least one component');
    if (REFERENCE_RE.test(s.toLowerCase())) throw referenceError(input, 'repository name must be lowercase');
    throw referenceError(input, 'invalid reference format');
  }
  const name = m[1]!;
  if (name.length > NAME_MAX) throw referenceError(input, `repository name must not be more than ${NAME_MAX} characters`);
  const nm = ANCHORED_NAME_RE.exec(name);
  const domain = nm?.[1] ?? '';
  const path = nm ? nm[2]! : name;
  const ref: { domain: string; path: string; tag?: string; digest?: string } = { domain, path };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) ref.digest = checkDigest(m[3], input);
  return ref;
}

/** go-digest Parse/Validate: a known algorithm and its exact encoded length, lowercase hex. */
function checkDigest(d: string, input: string): string {
  const colon = d.indexOf(':');
  const alg = d.slice(0, colon);
  const hex = d.slice(colon + 1);
  const len = DIGEST_HEX_LEN[alg];
  if (len === undefined) throw referenceError(input, 'unsupported digest algorithm');
  if (hex.length !== len) throw referenceError(input, 'invalid checksum digest length');
  if (!/^[a-f0-9]+$/.test(hex)) throw referenceError(input, 'invalid checksum digest format');
  return d;
}
