// Tests reach the media policies (LocalMediaPolicy, RemoteMediaFetcher, MediaAddress) in process.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Serving.Tests")]
