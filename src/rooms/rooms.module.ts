import { Module } from '@nestjs/common';
import { FanoutModule } from '../fanout/fanout.module';
import { MapsModule } from '../maps/maps.module';
import { ProtocolErrorFilter } from './protocol-error.filter';
import { RoomChannels } from './room-channels';
import { RoomsGateway } from './rooms.gateway';
import { RoomsService } from './rooms.service';
import { SessionRegistry } from './session-registry';

/** The WebSocket side: sessions, rooms and the events their clients see. */
@Module({
  imports: [MapsModule, FanoutModule],
  providers: [RoomChannels, SessionRegistry, RoomsService, RoomsGateway, ProtocolErrorFilter],
  exports: [SessionRegistry, RoomsService],
})
export class RoomsModule {}
