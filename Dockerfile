# The service as a container image, for docker-compose.yml and docs/deploy.md.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Corrections.Web/Corrections.Web.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
USER app
# `docker run IMAGE migrate` applies the database migrations and exits.
ENTRYPOINT ["dotnet", "Corrections.Web.dll"]
