import { scenario } from './200-em-block-sequencing.js';
import { scenarioSuite } from './suite.js';

scenarioSuite(scenario);
