#!/usr/bin/env node
// `npm start`: install what is missing, make sure Redis answers, build, then run the API
// (which applies pending migrations and serves the console at /) and one worker.
// Ctrl-C stops all of it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureDependencies, ensureRedis, log, ROOT, runOrFail, stopChild, waitFor } from './lib/services.mjs';

ensureDependencies();
const dataDir = path.resolve(process.env.DATA_DIR || path.join(ROOT, 'data'));
const redis = await ensureRedis(dataDir);
log('building api, worker and console…');
runOrFail('npx', ['nx', 'run-many', '-t', 'build', '-p', 'api', 'worker', 'web']);

const env = { ...process.env, DATA_DIR: dataDir, REDIS_URL: redis.url };
const host = env.HOST || '127.0.0.1';
const port = env.PORT || '3000';
const children = [];
let stopping = false;

function startProcess(name, script) {
  const child = spawn(process.execPath, [path.join(ROOT, script)], { env, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    log(`${name} exited (${signal ?? code}); stopping the rest`);
    void stopAll(1);
  });
  children.push(child);
  return child;
}

async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  // Workers first, so they finish their current steps while the API still answers.
  for (const child of [...children].reverse()) await stopChild(child, 35_000);
  await redis.stop();
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

startProcess('api', 'dist/apps/api/main.js');
const readyUrl = `http://${host}:${port}/health/ready`;
const apiReady = await waitFor(async () => (await fetch(readyUrl).catch(() => null))?.ok ?? false, 60_000);
if (!apiReady) {
  log(`the API did not become ready at ${readyUrl} within 60s`);
  await stopAll(1);
}
startProcess('worker', 'dist/apps/worker/main.js');
log(`Tomo is running at http://${host}:${port}/  (GraphQL: /graphql, Ctrl-C to stop)`);
