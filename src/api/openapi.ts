import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI document at /api/openapi.json and a browsable page at /api/docs. */
export function serveOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('My Room HTTP API')
    .setDescription(
      "Rooms, notices, kicks and instances for operators and game backends, and the web client's own routes. " +
        'Authenticate with the same JWT as the WebSocket (`Authorization: Bearer <jwt>`); admin routes need a token whose claims carry `"role": "admin"`. ' +
        'Errors are application/problem+json (RFC 9457). The room protocol itself is WebSocket: see docs/PROTOCOL.md.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/openapi.json',
    yamlDocumentUrl: 'api/openapi.yaml',
  });
}
