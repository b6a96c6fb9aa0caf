import { Module } from '@nestjs/common';
import { TokenService } from './token.service';

/** Token verification, one instance for the WebSocket handshake and the HTTP API alike. */
@Module({
  providers: [TokenService],
  exports: [TokenService],
})
export class AuthModule {}
