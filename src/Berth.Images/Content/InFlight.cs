namespace Berth.Images.Content;

/// <summary>
/// One run of some work per key at a time, shared by every caller that asks for the same key
/// meanwhile: two pulls of one image download each blob once. The shared run stops only when
/// every caller waiting on it has given up.
/// </summary>
internal sealed class InFlight<TKey>
    where TKey : notnull
{
    private readonly object _gate = new();
    private readonly Dictionary<TKey, Run> _runs = [];

    public async Task RunAsync(TKey key, Func<CancellationToken, Task> work, CancellationToken ct)
    {
        while (true)
        {
            Run run;
            bool abandoned;
            lock (_gate)
            {
                if (!_runs.TryGetValue(key, out run!))
                {
                    run = new Run();
                    _runs[key] = run;
                    run.Task = StartAsync(key, run, work);
                }

                abandoned = run.Stop.IsCancellationRequested;
                if (!abandoned)
                {
                    run.Waiters++;
                }
            }

            if (abandoned)
            {
                // Abandoned by its callers and still winding down: it may hold files this caller
                // would write, so wait for it to end before starting afresh.
                await run.Task.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).WaitAsync(ct);
                continue;
            }

            try
            {
                await run.Task.WaitAsync(ct);
                return;
            }
            finally
            {
                lock (_gate)
                {
                    run.Waiters--;
                    if (run.Waiters == 0 && !run.Task.IsCompleted)
                    {
                        run.Stop.Cancel();
                    }
                }
            }
        }
    }

    private async Task StartAsync(TKey key, Run run, Func<CancellationToken, Task> work)
    {
        try
        {
            // Off the caller's stack: the lock in RunAsync is still held while this starts.
            await Task.Yield();
            await work(run.Stop.Token);
        }
        finally
        {
            lock (_gate)
            {
                _runs.Remove(key);
            }
        }
    }

    private sealed class Run
    {
        public CancellationTokenSource Stop { get; } = new();

        public Task Task { get; set; } = Task.CompletedTask;

        public int Waiters { get; set; }
    }
}
