using Berth.Images;
using Berth.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Berth.Node;

/// <summary>
/// The kubelet's image garbage collection: every period, when the image store's disk is at or
/// above the high threshold, unused images go, least recently used first, until usage is at the
/// low threshold. "Used" means some container of this node was created from it.
/// </summary>
public sealed class ImageGarbageCollector(IImageStore images, PodRuntime runtime, AgentOptions options, ILogger<ImageGarbageCollector> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var policy = new ImageGcPolicy(options.ImageGcHighThresholdPercent, options.ImageGcLowThresholdPercent);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(options.ImageGcPeriod, stoppingToken);
                try
                {
                    var used = (await runtime.ListContainersAsync(stoppingToken)).Select(c => c.ImageId).ToHashSet();
                    var result = await images.CollectAsync(policy, used.Contains, stoppingToken);
                    if (result.RemovedImages.Count > 0)
                    {
                        logger.LogInformation("Image GC removed {Count} image(s), freeing {Bytes} bytes", result.RemovedImages.Count, result.BytesFreed);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("Image GC failed: {Error}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }
}
