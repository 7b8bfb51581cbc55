using System.Text;
using Berth.Images;
using Berth.Images.Layers;
using Berth.Images.Registry;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Berth.Cri.Images;

public sealed partial class CriImageService
{
    /// <summary>
    /// Pulls through the store (its mirrors and auth file apply), with the request's credentials
    /// ahead of those: what a pod's imagePullSecrets become. Returns the image id, which the
    /// kubelet then creates containers from. The sandbox config is not needed to pull.
    /// </summary>
    public override async Task<V1.PullImageResponse> PullImage(V1.PullImageRequest request, ServerCallContext context)
    {
        if (request.Image is not { Image.Length: > 0 } spec)
        {
            throw CriErrors.InvalidArgument("image.image is required");
        }

        var options = new PullOptions { Credentials = Credentials(request.Auth) };
        try
        {
            var image = await images.PullAsync(spec.Image, options, progress: null, context.CancellationToken);
            logger.LogInformation("CRI: pulled {Image} as {ImageId}", spec.Image, image.Id);
            return new V1.PullImageResponse { ImageRef = ImageNames.Id(image.Id) };
        }
        catch (FormatException e)
        {
            throw CriErrors.InvalidArgument(e.Message);
        }
        catch (RegistryException e)
        {
            var code = e.Kind switch
            {
                RegistryErrorKind.Unauthorized => StatusCode.PermissionDenied,
                RegistryErrorKind.NotFound => StatusCode.NotFound,
                RegistryErrorKind.Unavailable => StatusCode.Unavailable,
                _ => StatusCode.FailedPrecondition,
            };
            throw new RpcException(new Status(code, e.Message));
        }
        catch (LayerRejectedException e)
        {
            throw CriErrors.FailedPrecondition(e.Message);
        }
    }

    /// <summary>username/password, or auth (base64 "user:password"), and/or a registry token.
    /// server_address and identity_token are not used: the image name says which registry.</summary>
    private static RegistryCredentials? Credentials(V1.AuthConfig? auth)
    {
        if (auth is null)
        {
            return null;
        }

        var (username, password) = (auth.Username, auth.Password);
        if (username.Length == 0 && auth.Auth.Length > 0)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth.Auth));
            }
            catch (FormatException)
            {
                throw CriErrors.InvalidArgument("auth.auth is not base64");
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw CriErrors.InvalidArgument("auth.auth must be base64 of \"username:password\"");
            }

            (username, password) = (decoded[..colon], decoded[(colon + 1)..]);
        }

        var token = auth.RegistryToken.Length > 0 ? auth.RegistryToken : null;
        return username.Length > 0 || token is not null ? new RegistryCredentials(username, password, token) : null;
    }
}
