# medclaims: one static binary.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/medclaims ./cmd/medclaims

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/medclaims /medclaims
EXPOSE 8080
ENTRYPOINT ["/medclaims"]
CMD ["serve"]
