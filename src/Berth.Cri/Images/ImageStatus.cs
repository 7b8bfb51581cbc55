using System.Text.Json;
using Grpc.Core;

namespace Berth.Cri.Images;

public sealed partial class CriImageService
{
    /// <summary>An image that is not here is an empty answer, not an error: that is how the
    /// kubelet learns it must pull. Verbose adds the image's config as JSON.</summary>
    public override Task<V1.ImageStatusResponse> ImageStatus(V1.ImageStatusRequest request, ServerCallContext context)
    {
        var response = new V1.ImageStatusResponse();
        if (Find(request.Image, "image") is not { } found)
        {
            return Task.FromResult(response);
        }

        response.Image = ToCri(NamesOf(found.Id) is { Count: > 0 } names ? names : [found]);
        if (request.Verbose)
        {
            response.Info["info"] = JsonSerializer.Serialize(new
            {
                Id = found.Id,
                found.Created,
                found.Os,
                found.Architecture,
                found.Layers,
                ImageSpec = found.Config,
            }, VerboseJson);
        }

        return Task.FromResult(response);
    }
}
