import { inject, Injectable } from '@angular/core';
import { MatSnackBar } from '@angular/material/snack-bar';

/** Short notices at the bottom of the screen; errors stay until dismissed. */
@Injectable({ providedIn: 'root' })
export class Toasts {
  private readonly snackBar = inject(MatSnackBar);

  info(message: string): void {
    this.snackBar.open(message, 'Dismiss', { duration: 4_000 });
  }

  error(message: string): void {
    this.snackBar.open(message, 'Dismiss', { politeness: 'assertive' });
  }
}
