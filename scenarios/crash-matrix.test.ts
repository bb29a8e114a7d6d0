import { scenario } from './crash-matrix.js';
import { scenarioSuite } from './suite.js';

scenarioSuite(scenario);
