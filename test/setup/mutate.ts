/**
 * Mutation testing runs every test file in one reused worker (pool threads, no isolation) so
 * that switching mutants costs no re-import. Files that mock HTTP with nock must not leave it
 * on for the next file: each file ends with nock cleared and the network (loopback) allowed.
 */
import nock from 'nock';
import { afterAll } from 'vitest';

afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});
