import type { ImageConfig } from '@tsbuild/layerstore';

/**
 * Fill the `created` times BuildKit's exporter fills: a metadata entry written by this build takes
 * the time of the layer entry before it (or, before the first new layer, the first new layer's);
 * the image's `created` is the last new layer's time (`fallback` when the build made no layer).
 * With SOURCE_DATE_EPOCH everything is that time.
 */
export function finalizeConfig(config: ImageConfig, fallback: string, epoch?: string): ImageConfig {
  const history = config.history ?? [];
  let firstLayer: string | undefined;
  for (const h of history) if (!h.empty_layer && h.created && h.comment === 'buildkit.dockerfile.v0') { firstLayer = h.created; break; }
  let last: string | undefined;
  let lastNewLayer: string | undefined;
  for (const h of history) {
    if (epoch && h.comment === 'buildkit.dockerfile.v0') h.created = epoch;
    if (h.created) {
      if (!h.empty_layer && h.comment === 'buildkit.dockerfile.v0') lastNewLayer = h.created;
      if (h.comment === 'buildkit.dockerfile.v0') last = h.created;
      continue;
    }
    h.created = last ?? firstLayer ?? fallback;
  }
  // `created` first in each entry, as BuildKit serialises history
  config.history = history.map(({ created, ...rest }) => ({ created, ...rest }));
  config.created = epoch ?? lastNewLayer ?? fallback;
  return config;
}
