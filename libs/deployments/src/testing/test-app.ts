import { type AppDefinition, parseAppDefinition } from '@tomo/marketplace';

export interface TestAppOptions {
  id?: string;
  image?: string;
  port?: number;
  /** Extra `environment` entries (YAML list items). */
  environment?: string;
  /** `volumes` entries (YAML list items); none by default. */
  volumes?: string;
  command?: string;
  healthPath?: string;
  /** Health check retries (default 1: two probes, 5 s apart). */
  retries?: number;
}

/**
 * A busybox httpd app on the host network (as libs/marketplace/test-apps), with the port,
 * image and extras a test needs. Parsed by the real parser, so it is a valid marketplace app.
 */
export function testAppYaml(options: TestAppOptions = {}): string {
  const port = options.port ?? 18080;
  return `id: ${options.id ?? 'busybox-httpd'}
name: Busybox httpd
description: Busybox web server that serves /etc on the host network, for deployment tests.
version: "1.0.0"
category: utility
author: tomo
tags: [testing]
icon: https://busybox.net/images/busybox1.png
repository: https://github.com/mirror/busybox
documentation: https://busybox.net/downloads/BusyBox.html
docker:
  image: ${options.image ?? 'tomo/busybox:v1'}
  command: ${JSON.stringify(options.command ?? `httpd -f -v -p ${port} -h /etc`)}
  ports:
    - container: ${port}
      host: ${port}
      protocol: tcp
      description: HTTP on the host network
  environment:
    - name: GREETING
      value: hello
      required: false
      description: Unused by httpd
${options.environment ?? ''}
${options.volumes ? `  volumes:\n${options.volumes}` : ''}
  networks:
    - host
  restart: unless-stopped
requirements:
  memory: "128MB"
  cpu: "0.1"
  storage: "10MB"
maintainers:
  - "@tomo-platform"
healthcheck:
  endpoint: ${options.healthPath ?? '/tomo-version'}
  port: ${port}
  protocol: http
  interval: 5
  timeout: 2
  retries: ${options.retries ?? 1}
`;
}

export function testApp(options: TestAppOptions = {}): AppDefinition {
  const parsed = parseAppDefinition(testAppYaml(options), 'apps/utility/test/app.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  return parsed.app;
}
