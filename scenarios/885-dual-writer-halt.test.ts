import { scenario } from './885-dual-writer-halt.js';
import { scenarioSuite } from './suite.js';

scenarioSuite(scenario);
