using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Berth.Cri.Images;

public sealed partial class CriImageService
{
    /// <summary>
    /// Removes the image the reference names, with every name it has (CRI removes images, not
    /// tags). Not there is success. An image a container still uses stays (FailedPrecondition):
    /// its layers are that container's root filesystem.
    /// </summary>
    public override async Task<V1.RemoveImageResponse> RemoveImage(V1.RemoveImageRequest request, ServerCallContext context)
    {
        if (Find(request.Image, "image") is not { } found)
        {
            return new V1.RemoveImageResponse();
        }

        var ct = context.CancellationToken;
        if ((await runtime.ListContainersAsync(ct)).FirstOrDefault(c => c.ImageId == found.Id) is { } user)
        {
            throw CriErrors.FailedPrecondition($"image {ImageNames.Id(found.Id)} is in use by container {user.Id}");
        }

        try
        {
            await images.RemoveAsync(found.Id, ct);
            logger.LogInformation("CRI: removed image {ImageId} ({Image})", found.Id, request.Image.Image);
        }
        catch (KeyNotFoundException)
        {
            // removed meanwhile: the result the caller wanted
        }

        return new V1.RemoveImageResponse();
    }
}
