import { ChangeDetectionStrategy, Component, computed, effect, inject, input, resource } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { Title } from '@angular/platform-browser';
import { RouterLink } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import { AppDocument } from '../../core/graphql/generated/graphql';
import { TITLE_SUFFIX } from '../../navigation';
import { LoadState } from '../../shared/load-state';
import { AppIcon } from './app-icon';

@Component({
  selector: 'tomo-app-page',
  imports: [MatButtonModule, RouterLink, AppIcon, LoadState],
  template: `
    <tomo-load-state
      what="the app"
      [loading]="data.isLoading() && !data.hasValue()"
      [error]="data.error() ? message(data.error()) : undefined"
      (retry)="data.reload()"
    >
      @if (app(); as a) {
        <p class="muted"><a routerLink="/apps">Apps</a> /</p>
        <header class="page-header row">
          <div class="title">
            <tomo-app-icon [name]="a.name" [iconUrl]="a.iconUrl" />
            <div>
              <h1>{{ a.name }}</h1>
              <p class="subtitle">{{ a.category }} · v{{ a.version }} · by {{ a.author }}</p>
            </div>
          </div>
          @if (session.can('Mutation.installApp')) {
            <a mat-flat-button [routerLink]="['/apps', a.id, 'deploy']">Deploy</a>
          }
        </header>
        <p class="lead">{{ a.description }}</p>

        <section class="panel" aria-labelledby="image-title">
          <h2 id="image-title">Image and requirements</h2>
          <dl class="facts">
            <div>
              <dt>Image</dt>
              <dd class="mono">{{ a.image.reference }}</dd>
            </div>
            <div>
              <dt>Network</dt>
              <dd>{{ a.network.mode }}</dd>
            </div>
            <div>
              <dt>CPUs</dt>
              <dd>{{ a.requirements.cpus }}</dd>
            </div>
            <div>
              <dt>Memory</dt>
              <dd>{{ a.requirements.memory }}</dd>
            </div>
            <div>
              <dt>Storage</dt>
              <dd>{{ a.requirements.storage }}</dd>
            </div>
            <div>
              <dt>Architectures</dt>
              <dd>{{ a.requirements.architectures.length ? a.requirements.architectures.join(', ') : 'any' }}</dd>
            </div>
          </dl>
        </section>

        <section class="panel" aria-labelledby="ports-title">
          <h2 id="ports-title">Ports</h2>
          @for (p of a.ports; track p.container) {
            <p>
              <span class="mono">{{ p.host }} → {{ p.container }}/{{ p.protocol }}</span>
              <span class="muted">{{ p.description }}</span>
            </p>
          } @empty {
            <p class="muted">No ports.</p>
          }
        </section>

        <section class="panel" aria-labelledby="env-title">
          <h2 id="env-title">Environment</h2>
          @for (e of a.env; track e.name) {
            <p>
              <span class="mono">{{ e.name }}</span>
              @if (e.required) {
                <strong> (required)</strong>
              }
              @if (e.secret) {
                <em> (secret)</em>
              }
              <span class="muted"> {{ e.description }}</span>
            </p>
          } @empty {
            <p class="muted">No variables.</p>
          }
        </section>

        <section class="panel" aria-labelledby="volumes-title">
          <h2 id="volumes-title">Volumes</h2>
          @for (v of a.volumes; track v.container) {
            <p>
              <span class="mono">{{ v.host }} → {{ v.container }}</span> <span class="muted">{{ v.description }}</span>
            </p>
          } @empty {
            <p class="muted">No volumes.</p>
          }
        </section>

        <section class="panel" aria-labelledby="links-title">
          <h2 id="links-title">Links</h2>
          <p><a [href]="a.documentationUrl" rel="noopener noreferrer" target="_blank">Documentation</a></p>
          <p><a [href]="a.sourceUrl" rel="noopener noreferrer" target="_blank">Source</a></p>
        </section>
      }
    </tomo-load-state>
  `,
  styleUrl: '../../shared/page.scss',
  styles: `
    .title {
      display: flex;
      gap: 16px;
      align-items: center;
    }
    .lead {
      max-width: 72ch;
      margin: 0 0 24px;
    }
    .panel p {
      margin: 0 0 6px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AppPage {
  /** Route parameter. */
  readonly id = input.required<string>();
  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  protected readonly data = resource({
    params: () => ({ id: this.id() }),
    loader: ({ params }) => this.api.query(AppDocument, params),
  });
  protected readonly app = computed(() => (this.data.hasValue() ? this.data.value().app : undefined));
  protected readonly message = (error: unknown) => apiError(error).message;

  constructor() {
    const title = inject(Title);
    effect(() => {
      const app = this.app();
      if (app) title.setTitle(app.name + TITLE_SUFFIX);
    });
  }
}
