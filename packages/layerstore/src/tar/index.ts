/**
 * The one tar module: the reader (layer extraction, ADD of archives, load, layer checks), the
 * header and PAX encoders and the streaming packer (layer writing, the one-pass COPY, save). Layer
 * bytes, and so their digests, depend on this code alone.
 */
export type { EntryType, TarHeader, PackHeader } from './types.js';
export { TarParser, parseTar, paxTimeToMs, type TarSink } from './reader.js';
export { encodeHeader, encodeHeaderInto, splitName, fitsUstar, fitsUstarMtime, ustarHeader, ustarHeaderInto, type HeaderFields, type UstarHeader, type UstarType } from './header.js';
export { encodePaxRecords, paxEntry, textPaxRecords } from './pax.js';
export { TarPack, TarSizeError, packTar } from './pack.js';
export { isTarHeader } from './detect.js';
