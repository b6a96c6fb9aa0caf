import { Module } from '@nestjs/common';
import { RoomsModule } from '../rooms/rooms.module';
import { PresenceService } from './presence.service';

/** Instance lease and reaper: only where instances share state (services mode). */
@Module({
  imports: [RoomsModule],
  providers: [PresenceService],
})
export class PresenceModule {}
