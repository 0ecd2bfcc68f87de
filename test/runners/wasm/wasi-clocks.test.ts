import { conformanceFamily } from './conformance-cases.ts';

conformanceFamily('clocks');
