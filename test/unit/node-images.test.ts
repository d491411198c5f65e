// The pieces of local-cluster/images.ts that read other programs' output: ldd's library list (what the Node base
// image must hold) and buildah's image sizes (the figure docs/reliability.md reports).
import { expect } from 'chai';

import { linkedLibraries, parseSize } from '../../local-cluster/images.ts';

describe('single-node cluster images', () => {
  it('takes every library ldd resolves, and the loader, from its output', () => {
    const output = [
      '\tlinux-vdso.so.1 (0x00007ffd1a3f2000)',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f1881000000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f1880d3e000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f188128d000)',
    ].join('\n');
    expect(linkedLibraries(output)).to.deep.equal([
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });

  it('reads the sizes buildah prints, in decimal units', () => {
    expect(parseSize('110 MB')).to.equal(110_000_000);
    expect(parseSize('1.99 MB')).to.equal(1_990_000);
    expect(parseSize('5.17 kB')).to.equal(5_170);
    expect(parseSize('812 B')).to.equal(812);
    expect(parseSize('unknown')).to.equal(0);
  });
});
