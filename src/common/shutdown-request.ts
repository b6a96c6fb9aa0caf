import { Injectable } from '@nestjs/common';

/**
 * A way for code inside the app to ask for the SIGTERM path (drain, close, exit), which lives in
 * bootstrap.ts around the app: it registers itself here once the server is up.
 */
@Injectable()
export class ShutdownRequest {
  private handler?: () => void;

  onRequest(handler: () => void): void {
    this.handler = handler;
  }

  /** False when nobody registered (the app was built without bootstrap.ts). */
  request(): boolean {
    if (!this.handler) return false;
    this.handler();
    return true;
  }
}
