import { scenario } from './880-gin-any-vs-contains.js';
import { scenarioSuite } from './suite.js';

scenarioSuite(scenario);
