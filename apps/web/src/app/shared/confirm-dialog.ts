import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, type MatDialog, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { firstValueFrom } from 'rxjs';

export interface ConfirmOptions {
  readonly title: string;
  readonly message: string;
  /** The button that does it, e.g. "Delete server". */
  readonly confirm: string;
  /** An extra choice shown as a checkbox (e.g. "Also remove volumes"); its value is returned. */
  readonly option?: string;
}

/** What the user chose: null when they cancelled. */
export interface Confirmed {
  readonly option: boolean;
}

@Component({
  selector: 'tomo-confirm-dialog',
  imports: [FormsModule, MatButtonModule, MatCheckboxModule, MatDialogModule],
  template: `
    <h2 mat-dialog-title>{{ data.title }}</h2>
    <mat-dialog-content>
      <p>{{ data.message }}</p>
      @if (data.option) {
        <mat-checkbox [ngModel]="option()" (ngModelChange)="option.set($event)">{{ data.option }}</mat-checkbox>
      }
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" mat-dialog-close>Cancel</button>
      <button mat-flat-button type="button" class="danger" (click)="ref.close({ option: option() })">
        {{ data.confirm }}
      </button>
    </mat-dialog-actions>
  `,
  styles: `
    .danger {
      --mat-button-filled-container-color: var(--mat-sys-error);
      --mat-button-filled-label-text-color: var(--mat-sys-on-error);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfirmDialog {
  protected readonly data = inject<ConfirmOptions>(MAT_DIALOG_DATA);
  protected readonly ref = inject<MatDialogRef<ConfirmDialog, Confirmed>>(MatDialogRef);
  protected readonly option = signal(false);
}

/** Asks before something that cannot be undone; resolves null when the user cancels. */
export function confirmAction(dialog: MatDialog, options: ConfirmOptions): Promise<Confirmed | null> {
  const ref = dialog.open<ConfirmDialog, ConfirmOptions, Confirmed>(ConfirmDialog, { data: options, width: '440px' });
  return firstValueFrom(ref.afterClosed()).then((result) => result ?? null);
}
