import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitAll, gitIn } from '@tomo/testing';

/** The marketplace library's test app, the valid base that hostile repositories distort. */
const TEST_APP = join(__dirname, '../../../libs/marketplace/test-apps/apps/utility/busybox-httpd/app.yaml');

export interface HostileRepo {
  name: string;
  dir: string;
}

/** An app.yaml whose description carries `marker`, so that content read from it can be recognised. */
function appYaml(id: string, marker: string): string {
  return readFileSync(TEST_APP, 'utf8')
    .replace(/^id: .*$/m, `id: ${id}`)
    .replace(/^description: .*$/m, `description: ${marker}`);
}

function repo(root: string, name: string, files: (dir: string) => void): HostileRepo {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  files(dir);
  gitIn(dir, 'init', '--quiet', '--initial-branch=main');
  commitAll(dir, name);
  return { name, dir };
}

function write(dir: string, file: string, text: string): void {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), text);
}

/**
 * Git marketplace repositories built to hurt the sync: YAML bombs (aliases, depth), oversized and
 * over-long manifests, and symlinks out of the repository (to a file, a folder, the manifest).
 * The files outside the repositories hold `marker`: it must never reach the catalog.
 */
export function hostileRepositories(root: string, marker: string): HostileRepo[] {
  const outside = join(root, 'outside');
  write(outside, 'app.yaml', appYaml('outside-file', marker));
  write(outside, 'apps/utility/outside-dir/app.yaml', appYaml('outside-dir', marker));
  write(
    outside,
    'manifest.json',
    JSON.stringify({ apps: [{ id: 'outside-file', path: join(outside, 'app.yaml') }], note: marker }),
  );

  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < 10; level++) {
    const prev = String.fromCharCode(96 + level);
    const name = String.fromCharCode(97 + level);
    laughs.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const app = (dir: string, text: string, id = 'hostile') => write(dir, `apps/utility/${id}/app.yaml`, text);
  return [
    repo(root, 'yaml-alias-bomb', (dir) => app(dir, `${appYaml('hostile', 'bomb')}\n${laughs.join('\n')}\n`)),
    repo(root, 'yaml-depth-bomb', (dir) => app(dir, `${'['.repeat(20_000)}${']'.repeat(20_000)}\n`)),
    repo(root, 'yaml-huge-file', (dir) =>
      app(dir, `${appYaml('hostile', 'huge')}\nx: "${'A'.repeat(8 * 1024 * 1024)}"\n`),
    ),
    repo(root, 'symlink-app-file', (dir) => {
      mkdirSync(join(dir, 'apps/utility/outside-file'), { recursive: true });
      symlinkSync(join(outside, 'app.yaml'), join(dir, 'apps/utility/outside-file/app.yaml'));
    }),
    repo(root, 'symlink-app-folder', (dir) => {
      mkdirSync(join(dir, 'apps'), { recursive: true });
      symlinkSync(join(outside, 'apps/utility'), join(dir, 'apps/utility'));
    }),
    repo(root, 'symlink-manifest', (dir) => {
      app(dir, appYaml('inside', 'inside'), 'inside');
      symlinkSync(join(outside, 'manifest.json'), join(dir, 'manifest.json'));
    }),
    repo(root, 'manifest-path-escape', (dir) =>
      write(
        dir,
        'manifest.json',
        JSON.stringify({
          apps: [
            { id: 'outside-file', path: '../outside' },
            { id: 'abs', path: join(outside, 'app.yaml') },
          ],
        }),
      ),
    ),
    repo(root, 'manifest-huge', (dir) =>
      write(dir, 'manifest.json', JSON.stringify({ apps: [], pad: 'A'.repeat(30 * 1024 * 1024) })),
    ),
    repo(root, 'manifest-many-entries', (dir) =>
      write(
        dir,
        'manifest.json',
        JSON.stringify({
          apps: Array.from({ length: 100_000 }, (_, i) => ({ id: `app-${i}`, path: `apps/utility/app-${i}` })),
        }),
      ),
    ),
  ];
}
