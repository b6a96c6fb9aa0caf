import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module';
import { MapsModule } from '../../maps/maps.module';
import { RoomsModule } from '../../rooms/rooms.module';
import { LegacyGameNames } from './legacy-game-names';
import { LegacyRooms } from './legacy-rooms.service';
import { LegacyGateway } from './legacy.gateway';

/** The original clients' frames at `/library`, over the same rooms (docs/LEGACY-PROTOCOL.md). */
@Module({
  imports: [AuthModule, MapsModule, RoomsModule],
  providers: [LegacyGameNames, LegacyRooms, LegacyGateway],
})
export class LegacyModule {}
