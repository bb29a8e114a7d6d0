import { scenario } from './block-file-replay.js';
import { scenarioSuite } from './suite.js';

scenarioSuite(scenario);
