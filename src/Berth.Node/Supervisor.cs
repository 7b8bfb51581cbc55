using Berth.Runtime.Pods;
using Microsoft.Extensions.Hosting;

namespace Berth.Node;

/// <summary>Keeps every pod as its spec says for as long as the agent runs.</summary>
public sealed class Supervisor(PodController pods) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await pods.SuperviseAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the agent is stopping; pods keep running under their monitors
        }
    }
}
