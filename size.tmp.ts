import { settle } from './src/domain/engine.js';
