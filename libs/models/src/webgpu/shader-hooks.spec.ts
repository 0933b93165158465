import { installShaderHooks, rewriteShader, SUBGROUP_ID_MARKER, writableMarker } from './shader-hooks';

// The shape of what tfjs-backend-webgpu's makeShader assembles: its prelude, the program's code,
// then the `_start` entry point that calls main().
const tfjsShader = (userCode: string) => `
      var<private> localIndex: u32;
      struct Uniforms { NAN : f32, outShape : i32, };
      ${userCode}
  @compute @workgroup_size(64, 1, 1)
      fn _start(@builtin(local_invocation_id) LocalId : vec3<u32>,
                @builtin(local_invocation_index) LocalIndex: u32) {
        localIndex = LocalIndex;
        main();
      }`;

describe('rewriteShader', () => {
  it('mends tfjs\'s CropAndResize image-index check (the box count was used for the image count)', () => {
    const faulty = 'let bInd = i32(round(getBoxInd(b)));\n        if(bInd < 0 || bInd >= uniforms.outShape[0]) {\n          return;\n        }';
    expect(rewriteShader(faulty)).toBe('let bInd = i32(round(getBoxInd(b)));\n        if(bInd < 0 || bInd >= uniforms.imageShape[0]) { setOutputAtIndex(index, 0.0); return; }');
  });

  it('leaves shaders without enable directives or the marker untouched', () => {
    const code = tfjsShader('fn main() { }');
    expect(rewriteShader(code)).toBe(code);
  });

  it('moves enable directives ahead of tfjs\'s prelude, once each', () => {
    const out = rewriteShader(tfjsShader('      enable f16;\n      enable subgroups;\n      fn main() { }\n      enable f16;'));
    const lines = out.split('\n');
    expect(lines.slice(0, 2)).toEqual(['enable f16;', 'enable subgroups;']);
    expect(out.match(/enable f16;/g)).toHaveLength(1);
    expect(out.indexOf('enable subgroups;')).toBeLessThan(out.indexOf('var<private> localIndex'));
  });

  it('with the marker, adds @builtin(subgroup_id) to _start and passes it to main', () => {
    const out = rewriteShader(tfjsShader(`      enable subgroups;\n      ${SUBGROUP_ID_MARKER}\n      fn main(sid : u32) { }`));
    expect(out).toMatch(/fn _start\(@builtin\(subgroup_id\) SubgroupId : u32, @builtin\(local_invocation_id\)/);
    expect(out).toContain('main(SubgroupId);');
    expect(out).not.toContain('main();');
    expect(out).toContain('fn main(sid : u32) { }'); // the program's own main is not touched
  });

  it('with writableMarker, declares the named inputs read_write and leaves the others read-only', () => {
    const prelude = `
      @group(0) @binding(1) var<storage, read> p: array<f32>;
      @group(0) @binding(2) var<storage, read> nb: array<f32>;
      @group(0) @binding(3) var<storage, read> nb2: array<f32>;`;
    const out = rewriteShader(tfjsShader(`${prelude}\n      ${writableMarker(['nb'])}\n      fn main() { nb[0] = p[0]; }`));
    expect(out).toContain('var<storage, read_write> nb: array<f32>;');
    expect(out).toContain('var<storage, read> p: array<f32>;');
    expect(out).toContain('var<storage, read> nb2: array<f32>;'); // a name that only starts the same is not touched
    expect(() => rewriteShader(tfjsShader(`${prelude}\n      ${writableMarker(['q'])}`))).toThrow(/no read-only storage input "q"/);
  });

  it('says so when a marked shader has no tfjs entry point to rewrite', () => {
    expect(() => rewriteShader(`${SUBGROUP_ID_MARKER}\nfn main(sid : u32) { }`)).toThrow(/no tfjs `_start`/);
  });
});

describe('installShaderHooks', () => {
  it('rewrites the code of every module the device compiles, and wraps a device only once', () => {
    const seen: string[] = [];
    const device = { createShaderModule: (d: { code: string; label?: string }) => { seen.push(d.code); return d; } };
    installShaderHooks(device);
    installShaderHooks(device);
    const result = device.createShaderModule({ code: 'enable f16;\nfn main() { }', label: 'x' } as { code: string }) as { label?: string };
    expect(seen).toEqual(['enable f16;\n\nfn main() { }']);
    expect(result.label).toBe('x'); // other descriptor fields pass through
  });
});
