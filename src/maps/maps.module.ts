import { Module } from '@nestjs/common';
import { AccessStore } from './access-store';
import { ChatStore } from './chat-store';
import { MapStore } from './map-store';

/** Durable rooms, maps, libraries and chat history (the database connection itself is InfraModule's). */
@Module({
  providers: [MapStore, ChatStore, AccessStore],
  exports: [MapStore, ChatStore, AccessStore],
})
export class MapsModule {}
