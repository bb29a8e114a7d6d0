import { scenario } from './877-challenge-full-scan-wedge.js';
import { scenarioSuite } from './suite.js';

scenarioSuite(scenario);
