import { conformanceFamily } from './conformance-cases.ts';

conformanceFamily('sockets');
