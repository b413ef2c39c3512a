/**
 * Layer bytes are part of the cache and of every image's identity: a refactor of the tar writer, the
 * differ or the copier must not change them. A few differential fixtures are built reproducibly
 * (SOURCE_DATE_EPOCH with rewrite-timestamp) on the local busybox base and the diffIDs of the layers
 * they add are pinned. diffIDs, not the gzip blobs' digests: those also depend on Node's zlib.
 * If a change is meant to alter layer bytes, say so in its commit and re-pin (PIN_UPDATE=1 prints them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { build } from '@tsbuild/builder';
import { REPO_ROOT } from '../helpers/busybox.js';
import { importBusybox, tempStore, type TempStore } from '../helpers/store.js';

const FIXTURES = join(REPO_ROOT, 'fixtures', 'differential');
const EPOCH = 1700000000;

/** fixture → diffIDs of the layers it adds over the base */
const PINNED: Record<string, string[]> = {
  'copy-modes': [
    'sha256:5b190695190ea05b174ab126bfaa1f878a6e117b17b0f7149e38d49e378aeec3',
    'sha256:af71b9ccb8b36d96345bcaa93e1bf500dc2f1ed1df0486d601996b4dfe6572b6',
  ],
  'copy-chmod': [
    'sha256:9aea23de4879854c79da58984e29ce0fe5b383921b129ff8e6fb157cb7ff4acb',
    'sha256:39e041351bbcd13b591956539cf412cd97b515fbd3060e7f5f27b72bf42f7511',
    'sha256:4921e78e0bc0a26cbbcedddebc1e0b4758d105fba4b4251435be98354b7def43',
    'sha256:de16ff27649c732e19152be0cc21b470890cb9119bf92f92f42956be4a43aa71',
    'sha256:376910c1c08f043c9faaeb12d8e29ef5c2b75aa0cf8a85fc2658ef528af0df10',
    'sha256:f4ef488fd0361573bd939789e0abb8c5bc51c189766398c69929993039d3d417',
    'sha256:d9b9b29af37afdbfe68a6bc539e3980128028c53d2b5f0b6baaa6ab2a7ea8756',
    'sha256:950dac65afcc5894a557735d387c110ecb68c0d077edd92d9c84e5c310cb2ab2',
  ],
  'copy-rules': [
    'sha256:3f59ae2736b75f39d5d7b08c29516653d14b723c82eda3bdfdd584df115704ec',
    'sha256:e6aed13ec8adbaa6e7985e87f372ff9c284e7dc576a3334a6b2989a5ebd496c4',
    'sha256:ee75230f3260336ee1bcad0139194e866829c8aceaadf4c609404515b20d0aa9',
    'sha256:8fbf9066c1cdadfe53aa2a41e2e2255965d5bc63d007cb3adc6dd0af8f8b518c',
    'sha256:fc7c0dc7db459c27131040c000663871fccb9ccb0f6e37101d7595e8e17ec56a',
    'sha256:cb5bce53e9daadd062d82208387e6aaf1550444e76810ff6d0c78f16c54fffab',
    'sha256:13d81a265bb1bb5b6f987759912d8199277a165b2e78d99ca1b76dd2a2a2e356',
    'sha256:bf40c44dbf5f828de17b13a613f0354a7f1ec2d45571886ff9cd06d21adffbcf',
    'sha256:cb7ccf6987021c618df4915689e065dda34c9aa71b509e5d14660ebbf21c9372',
    'sha256:a50dea4fcaf30a8b4c3cbbfbef80577ebb801ec39e4df63753bf8d2f9f3af7b6',
    'sha256:73ea0a6d80a6f4be3e3046a468bc02131fed2fc397350f772a3352ef7403aa70',
    'sha256:92c918448cdf68345c1f377d3e217000b716918672800d3a9f7b892d60d89abc',
  ],
  'chown-name': [
    'sha256:eb471cbcb4c057ecfd00f4466587deb48f08b216ceab107ed879b09e04fc5fdd',
    'sha256:1f30046fbb8c906517b3e876e5e8723c462ed0cae80163dbf8bea15e881a2df5',
    'sha256:fc20ed773967b15d78d8895920d420ea13264445160faaf38cd3452bcd080b68',
    'sha256:379040be6e6018da5a844458501f33eda79b9f37f909424c9c886f32d4f69d6e',
    'sha256:43fe6904a6de9a2a16a1adc84516fa54194276eb425f5cc00743389dd1efb144',
    'sha256:7a05f09bd51a3a675e814855214ba947570fdde993b523bdab29938e365440f6',
  ],
  'add-tar': [
    'sha256:4136170a9726cca8b2ca75429fb3e70b70aede3e335a6103b71dbaed1d6ee5cd',
    'sha256:ab82d4a461a1d0651aae9834dc39e3dda6f987a657ad049ade7cef247041aa64',
    'sha256:1f900b1b6e1256f177bba541ac56ba0f9eae713fd834565571a2c8c7987f8ff9',
    'sha256:e43d6589663c4683403ceb150a6eef59382c32987805d49873a55ff680e7b61d',
  ],
  'symlinks': [
    'sha256:4788fa042be0705d6faf8f3bd6e728842a74de58b95d3c58feb35df9dbb770a4',
    'sha256:9b4505c23f2b7288e96d36ebb89af0c000c7eb96c3d0c87d94f11b8c64e5d1af',
    'sha256:349cbed595672f3fbe13b821e7add336df3cde98f2f0f66a523f5ddb72718456',
    'sha256:f843fd7e06d08403fac02454a2f880dd5c79b116615dbfb943578babdfb5818e',
  ],
  'run-basic': [
    'sha256:424acee18323a6d20ae2f1355a5a4662a5197ca1b7155671b0c5467cdea9f5a6',
    'sha256:910821291ffc0452a115abc5bad30e9b7e2ba078ea881bf96e146821d879b2e8',
    'sha256:5cf0132ae3920ec3593edebcdc36817e9809c98991a5d78e5f1184e79fbd0f43',
    'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef',
    'sha256:82d770741b046709d31e0be8542f9f158aa86091e7e5a374d9118aa77bdd0520',
  ],
};

let t: TempStore;
let baseLayers = 0;
beforeAll(async () => {
  t = await tempStore('pinned-');
  baseLayers = (await importBusybox(t.store, { names: ['localbase/busybox:1'] })).layers.length;
});
afterAll(() => t?.cleanup());

describe('pinned layer digests (SOURCE_DATE_EPOCH, rewrite-timestamp)', () => {
  for (const name of ['copy-modes', 'copy-chmod', 'copy-rules', 'chown-name', 'add-tar', 'symlinks', 'run-basic']) {
    it(name, async () => {
      const r = await build({ context: join(FIXTURES, name), store: t.store, network: 'none', sourceDateEpoch: EPOCH, rewriteTimestamp: true, noCache: true });
      const added = r.image.layers.slice(baseLayers).map((l) => l.diffID);
      if (process.env.PIN_UPDATE) console.log(`PIN ${JSON.stringify(name)}: ${JSON.stringify(added)},`);
      expect(added).toEqual(PINNED[name]);
    });
  }
});
