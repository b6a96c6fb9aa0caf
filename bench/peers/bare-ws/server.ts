/** The bare-ws limit as most `ws` code writes it: one `ws.send` (one socket write) per frame. Env: PORT. */
import { serve } from './serve';

serve();
