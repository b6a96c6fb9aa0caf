import { Module } from '@nestjs/common';
import { MapStore } from './map-store';

/** Durable rooms, maps and libraries (the database connection itself is InfraModule's). */
@Module({
  providers: [MapStore],
  exports: [MapStore],
})
export class MapsModule {}
