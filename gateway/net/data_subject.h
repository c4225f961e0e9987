// Who an exchange is about: the field of a canonical request marked with the option
// (pasarela.v1.data_subject), an identifier with `scheme` and `value`, as "SCHEME:VALUE". The
// audit trail keeps only a keyed pseudonym of it. Pure and thread-safe.
#ifndef PASARELA_GATEWAY_NET_DATA_SUBJECT_H_
#define PASARELA_GATEWAY_NET_DATA_SUBJECT_H_

#include <google/protobuf/message.h>

#include <string>

namespace pasarela {

// "CL-RUN:12531909-2", or empty when the message marks no subject or leaves it unset.
std::string DataSubjectOf(const google::protobuf::Message& request);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_DATA_SUBJECT_H_
