#!/usr/bin/env node
// Builds the optional native kernel addon (build/det_native.node) with the system C++ compiler,
// and the CommonJS bundle of tfjs's gradient definitions (build/register-gradients.cjs).
// Runs at install time; a failed build only prints a warning, because det falls back to the
// wasm/cpu backends without it. Env: DET_SKIP_NATIVE_BUILD=1 skips, CXX picks the compiler,
// DET_NODE_INCLUDE points at Node's headers (node_api.h) when they are not beside the binary.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = __dirname;
const outDir = path.join(here, 'build');
const target = path.join(outDir, 'det_native.node');
const sources = ['pool.cc', 'gemm.cc', 'gemm_generic.cc', 'gemm_avx2.cc', 'conv.cc', 'pool2d.cc', 'eltwise.cc', 'gather.cc', 'addon.cc'];
// Only the micro-kernel gets AVX2/FMA code; it is called after a runtime CPU check.
const isaFlags = { 'gemm_avx2.cc': ['-mavx2', '-mfma'] };

function nodeIncludeDir() {
  const candidates = [
    process.env.DET_NODE_INCLUDE,
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
}

function build() {
  const include = nodeIncludeDir();
  if (!include) throw new Error('node_api.h not found (set DET_NODE_INCLUDE to the folder holding it)');
  const cxx = process.env.CXX || 'g++';
  const x86 = process.arch === 'x64' || process.arch === 'ia32';
  fs.mkdirSync(outDir, { recursive: true });
  const objects = sources.map((file) => {
    const obj = path.join(outDir, file.replace(/\.cc$/, '.o'));
    const extra = x86 ? isaFlags[file] ?? [] : [];
    if (!x86 && file === 'gemm_avx2.cc') {
      // Non-x86: keep the symbol so the dispatcher links; it is never selected at runtime.
      const stub = path.join(outDir, 'gemm_avx2_stub.cc');
      fs.writeFileSync(stub, '#include "../src/gemm.h"\nnamespace det { void micro_kernel_avx2(int k,const float*a,const float*b,float*c,long l,int m,int n,bool acc){ micro_kernel_generic(k,a,b,c,l,m,n,acc);} }\n');
      execFileSync(cxx, ['-std=c++17', '-O3', '-fPIC', '-c', stub, '-o', obj], { stdio: 'inherit' });
      return obj;
    }
    const args = ['-std=c++17', '-O3', '-fPIC', '-pthread', '-fno-math-errno', ...extra,
      `-I${include}`, '-DNODE_GYP_MODULE_NAME=det_native', '-DNAPI_VERSION=8',
      '-c', path.join(here, 'src', file), '-o', obj];
    execFileSync(cxx, args, { stdio: 'inherit' });
    return obj;
  });
  const link = ['-shared', '-pthread', '-o', target, ...objects];
  if (process.platform === 'darwin') link.push('-undefined', 'dynamic_lookup');
  execFileSync(cxx, link, { stdio: 'inherit' });
  for (const obj of objects) fs.rmSync(obj, { force: true });
  return target;
}

// tfjs-core's CommonJS bundle registers no gradients and its `register_all_gradients` module is
// ESM with extensionless imports (neither Node nor jest can require it), so it is bundled once
// into CommonJS here; the bundle's ops dispatch through the one global tfjs engine.
function bundleGradients() {
  const out = path.join(outDir, 'register-gradients.cjs');
  const esbuild = require('esbuild');
  const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  fs.mkdirSync(outDir, { recursive: true });
  esbuild.buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'warning' });
  return out;
}

try {
  bundleGradients();
  console.log('det native kernels: bundled tfjs gradients');
} catch (err) {
  console.warn(`det: could not bundle tfjs gradients now (${err.message}); they are bundled on first use`);
}

if (process.env.DET_SKIP_NATIVE_BUILD === '1') {
  console.log('det native kernels: build skipped (DET_SKIP_NATIVE_BUILD=1)');
} else {
  try {
    const started = Date.now();
    build();
    console.log(`det native kernels: built ${path.relative(process.cwd(), target)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.warn(`det native kernels: build failed, falling back to wasm/cpu backends (${err.message})`);
  }
}
