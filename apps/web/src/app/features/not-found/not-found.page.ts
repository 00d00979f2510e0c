import { ChangeDetectionStrategy, Component } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'tomo-not-found-page',
  imports: [MatButtonModule, RouterLink],
  template: `
    <header class="page-header">
      <h1>Page not found</h1>
    </header>
    <p>There is no page at this address.</p>
    <a mat-flat-button routerLink="/">Go to the dashboard</a>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NotFoundPage {}
