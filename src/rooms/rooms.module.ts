import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { FanoutModule } from '../fanout/fanout.module';
import { MapsModule } from '../maps/maps.module';
import { ChatService } from './chat/chat.service';
import { ReplayService } from './history/replay.service';
import { TimelineRecorder } from './history/timeline-recorder';
import { ProtocolErrorFilter } from './protocol-error.filter';
import { RoomChannels } from './room-channels';
import { RoomsGateway } from './rooms.gateway';
import { RoomEvents } from './room-events';
import { LaggingWelcome } from './lagging-welcome';
import { RoomMaps } from './room-maps';
import { EntryRules } from './entry-rules';
import { RoomsService } from './rooms.service';
import { SessionAuth } from './session-auth';
import { SessionRegistry } from './session-registry';
import { ConfiguredWriteCoalescer } from './write-coalescer';

/** The WebSocket side: sessions, rooms and the events their clients see. */
@Module({
  imports: [AuthModule, MapsModule, FanoutModule],
  providers: [
    RoomChannels,
    RoomEvents,
    RoomMaps,
    EntryRules,
    LaggingWelcome,
    SessionRegistry,
    SessionAuth,
    RoomsService,
    ChatService,
    TimelineRecorder,
    ReplayService,
    RoomsGateway,
    ProtocolErrorFilter,
    ConfiguredWriteCoalescer,
  ],
  exports: [
    SessionRegistry,
    RoomsService,
    RoomEvents,
    ChatService,
    TimelineRecorder,
    RoomMaps,
    EntryRules,
    SessionAuth,
    LaggingWelcome,
    ProtocolErrorFilter,
    ConfiguredWriteCoalescer,
  ],
})
export class RoomsModule {}
