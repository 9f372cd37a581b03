// rxjs for the browser example. rxjs 7's ESM files import one another without file extensions
// ('./internal/Observable'), which bundlers and Node resolve but a browser cannot: it fetches
// exactly the URL it is given. So index.html loads rxjs's UMD bundle (node_modules/rxjs/dist/
// bundles/rxjs.umd.min.js, a classic script that defines globalThis.rxjs) and the import map
// points 'rxjs' here, at a module that re-exports it by name: every public export of rxjs 7.
// test/browser/browser.test.ts checks, in the browser, that the names match the bundle's.
const rxjs = globalThis.rxjs;
if (rxjs === undefined) {
  throw new Error('rxjs.umd.min.js must be loaded (a classic <script>) before anything imports rxjs');
}

export const {
  Observable, ConnectableObservable, observable, animationFrames, Subject, BehaviorSubject,
  ReplaySubject, AsyncSubject, asap, asapScheduler, async, asyncScheduler, queue, queueScheduler,
  animationFrame, animationFrameScheduler, VirtualTimeScheduler, VirtualAction, Scheduler,
  Subscription, Subscriber, Notification, NotificationKind, pipe, noop, identity, isObservable,
  lastValueFrom, firstValueFrom, ArgumentOutOfRangeError, EmptyError, NotFoundError,
  ObjectUnsubscribedError, SequenceError, TimeoutError, UnsubscriptionError, bindCallback,
  bindNodeCallback, combineLatest, concat, connectable, defer, empty, forkJoin, from, fromEvent,
  fromEventPattern, generate, iif, interval, merge, never, of, onErrorResumeNext, pairs, partition,
  race, range, throwError, timer, using, zip, scheduled, EMPTY, NEVER, config, audit, auditTime,
  buffer, bufferCount, bufferTime, bufferToggle, bufferWhen, catchError, combineAll,
  combineLatestAll, combineLatestWith, concatAll, concatMap, concatMapTo, concatWith, connect,
  count, debounce, debounceTime, defaultIfEmpty, delay, delayWhen, dematerialize, distinct,
  distinctUntilChanged, distinctUntilKeyChanged, elementAt, endWith, every, exhaust, exhaustAll,
  exhaustMap, expand, filter, finalize, find, findIndex, first, groupBy, ignoreElements, isEmpty,
  last, map, mapTo, materialize, max, mergeAll, flatMap, mergeMap, mergeMapTo, mergeScan,
  mergeWith, min, multicast, observeOn, onErrorResumeNextWith, pairwise, pluck, publish,
  publishBehavior, publishLast, publishReplay, raceWith, reduce, repeat, repeatWhen, retry,
  retryWhen, refCount, sample, sampleTime, scan, sequenceEqual, share, shareReplay, single, skip,
  skipLast, skipUntil, skipWhile, startWith, subscribeOn, switchAll, switchMap, switchMapTo,
  switchScan, take, takeLast, takeUntil, takeWhile, tap, throttle, throttleTime, throwIfEmpty,
  timeInterval, timeout, timeoutWith, timestamp, toArray, window, windowCount, windowTime,
  windowToggle, windowWhen, withLatestFrom, zipAll, zipWith
} = rxjs;
