/**
 * Three things tfjs-backend-webgpu's shader assembly cannot express, done on the WGSL text as the
 * device compiles it (installShaderHooks wraps device.createShaderModule):
 * - `enable` directives must precede every declaration, but a program's code lands after tfjs's
 *   prelude: they are moved to the top.
 * - Subgroup-matrix loads and stores need uniform offsets, and the only per-subgroup value Dawn's
 *   analysis accepts as uniform is the @builtin(subgroup_id) entry-point parameter, passed on as
 *   an argument. tfjs writes the entry point (`_start`, which calls `main()`); code with
 *   SUBGROUP_ID_MARKER gets that builtin added to `_start` and handed to `main(sid : u32)`.
 * - A program has one output binding; tfjs declares every input read-only. A line
 *   `// det:writable a b` (writableMarker) makes the inputs named a and b read_write, so one
 *   dispatch can fill several new tensors (kernels/extra-outputs.ts).
 * And one fault of a tfjs shader, mended in its text (TFJS_SHADER_FIXES): CropAndResize checked a
 * box's image index against the number of boxes instead of images, so a box on image ≥ the box
 * count was skipped and its output left as whatever the pooled buffer held (found by det's
 * shape-op fuzz, 2026-11-26); now the image count, and zeros for an index out of range, as cpu.
 * Shaders without any of these are compiled untouched.
 */

export const SUBGROUP_ID_MARKER = '// det:main-takes-subgroup-id';
const WRITABLE = /\/\/ det:writable ([\w ]+)$/m;

/** The marker line that makes the named inputs writable storage. */
export function writableMarker(names: string[]): string {
  return `// det:writable ${names.join(' ')}`;
}

const ENABLE = /^[ \t]*enable [\w, ]+;[ \t]*$/gm;
const HAS_ENABLE = /^[ \t]*enable [\w, ]+;/m;

/** [a fault in a tfjs-backend-webgpu 4.22 shader, its mended text] */
const TFJS_SHADER_FIXES: [RegExp, string][] = [
  [/if\(bInd < 0 \|\| bInd >= uniforms\.outShape\[0\]\) \{\s*return;\s*\}/, 'if(bInd < 0 || bInd >= uniforms.imageShape[0]) { setOutputAtIndex(index, 0.0); return; }'],
];

export function rewriteShader(source: string): string {
  let code = source;
  for (const [fault, fix] of TFJS_SHADER_FIXES) code = code.replace(fault, fix);
  const marked = code.includes(SUBGROUP_ID_MARKER);
  const writable = WRITABLE.exec(code);
  if (!marked && !writable && !HAS_ENABLE.test(code)) return code;
  const enables = new Set<string>();
  let out = writable ? makeWritable(code, writable[1].trim().split(/ +/)) : code;
  out = out.replace(ENABLE, (line) => {
    enables.add(line.trim());
    return '';
  });
  if (marked) {
    const start = out.indexOf('fn _start(');
    const call = out.indexOf('main();', start);
    if (start < 0 || call < 0) throw new Error('shader-hooks: no tfjs `_start` calling `main();` to pass subgroup_id through');
    out = `${out.slice(0, start)}fn _start(@builtin(subgroup_id) SubgroupId : u32, ${out.slice(start + 'fn _start('.length, call)}main(SubgroupId);${out.slice(call + 'main();'.length)}`;
  }
  return `${[...enables].join('\n')}\n${out}`;
}

function makeWritable(code: string, names: string[]): string {
  let out = code;
  for (const name of names) {
    const declaration = new RegExp(`var<storage, read> ${name}\\s*:`);
    if (!declaration.test(out)) throw new Error(`shader-hooks: no read-only storage input "${name}" to make writable`);
    out = out.replace(declaration, `var<storage, read_write> ${name}:`);
  }
  return out;
}

interface ShaderDevice { createShaderModule(descriptor: { code: string }): unknown }

const hooked = new WeakSet<object>();

/** Wraps the device's createShaderModule with rewriteShader (once per device). */
export function installShaderHooks(device: ShaderDevice): void {
  if (hooked.has(device)) return;
  hooked.add(device);
  const original = device.createShaderModule.bind(device);
  device.createShaderModule = (descriptor) => original({ ...descriptor, code: rewriteShader(descriptor.code) });
}
